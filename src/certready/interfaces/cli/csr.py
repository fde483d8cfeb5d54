"""``certready csr``: a private key and a compliant request, plus certreq INF and OpenSSL config."""

from __future__ import annotations

from typing import Annotated

import typer

from certready.adapters.issuance.keys import KEY_TYPES
from certready.adapters.profiles import load_policy
from certready.core.facts import EKU_NAMES, KEY_USAGE_WORDS, key_usage_hex
from certready.interfaces.cli.common import ExitStatus
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import DEFAULT_PROFILE, host_option, profile_option
from certready.interfaces.cli.secrets import read_secret
from certready.services.csr import CsrOptions, create_csr, refuse_stdout

EPILOG = """\
\b
Examples:
  certready csr --host hcappserver.example.com --host mobile.example.com --out req/
  certready csr --host app.example.com --key-type p256 --org "Example Care" --out req/
  certready csr --host app.example.com --out req/ --passphrase-env KEY_PASS
"""


def register(app: typer.Typer) -> None:
    @app.command("csr", epilog=EPILOG)
    def csr_command(
        host: Annotated[
            list[str],
            host_option("A name clients use (DNS or IP); repeat for each. The first is the CN."),
        ],
        out: Annotated[
            str,
            typer.Option(
                "--out",
                "-o",
                metavar="DIR",
                help="Folder for the key, request, INF and config.",
                show_default=False,
            ),
        ],
        key_type: Annotated[
            str, typer.Option(metavar="TYPE", help=f"Key: {', '.join(KEY_TYPES)}.")
        ] = "rsa2048",
        profile: Annotated[
            str, profile_option("The policy the request must satisfy: homecare, webpki, or a file.")
        ] = DEFAULT_PROFILE,
        organization: Annotated[
            str | None,
            typer.Option("--org", metavar="NAME", help="Subject O (organisation), optional."),
        ] = None,
        passphrase_env: Annotated[
            str | None,
            typer.Option(
                metavar="VAR", help="Encrypt the key with the passphrase in this variable."
            ),
        ] = None,
        passphrase_file: Annotated[
            str | None,
            typer.Option(
                metavar="FILE",
                help="Encrypt the key with the passphrase in this file's first line.",
            ),
        ] = None,
        passphrase_prompt: Annotated[
            bool,
            typer.Option(
                "--passphrase-prompt",
                help="Encrypt the key with a passphrase asked (twice) on the terminal.",
            ),
        ] = False,
        force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    ) -> int:
        """Create a private key (PKCS#8, 0600) and a request the policy accepts: every name as a
        SAN, Key Usage by key type (RSA a0, EC digitalSignature), EKU serverAuth + clientAuth.
        Also writes a certreq INF (Windows) and an OpenSSL config with the same content."""
        streams = current_streams()
        refuse_stdout(out)
        passphrase = read_secret(
            env=passphrase_env,
            file=passphrase_file,
            prompt="Key passphrase" if passphrase_prompt else None,
            option="passphrase",
        )
        files = create_csr(
            out,
            CsrOptions(
                hosts=tuple(host),
                key_type=key_type,
                policy=load_policy(profile),
                organization=organization,
                passphrase=passphrase,
                force=force,
            ),
        )
        usages = ", ".join(KEY_USAGE_WORDS[b] for b in files.key_usage)
        ekus = ", ".join(EKU_NAMES.get(o, o) for o in files.extended_key_usage)
        encrypted = "encrypted" if files.key_encrypted else "not encrypted"
        write = streams.stdout.write
        write(f"wrote {files.key}  (private key {files.key_type}, PKCS#8, 0600, {encrypted})\n")
        write(f"wrote {files.request}  (request for {', '.join(files.hosts)})\n")
        write(f"      Key Usage: {usages} ({key_usage_hex(frozenset(files.key_usage))})\n")
        write(f"      Extended Key Usage: {ekus}\n")
        write(f"wrote {files.certreq_inf}  (Windows: the same request, key made on the server)\n")
        write(f"wrote {files.openssl_config}  (openssl req -config {files.openssl_config.name})\n")
        stem = files.request.stem
        write(
            "take one route:\n"
            f"  A. the key made here: submit {files.request.name} to your CA; with the certificate\n"
            f"     it returns, make the server's PFX:  certready pfx CERT {files.key.name} "
            f"CHAIN --out {stem}.pfx\n"
            f"     (then delete {files.key.name} from this machine once the PFX is on the "
            "server)\n"
            f"  B. the key made on the Windows server: copy {files.certreq_inf.name} there, run\n"
            f"     certreq -new {files.certreq_inf.name} {stem}.csr, submit that .csr, then "
            "certreq -accept CERT\n"
            f"     on the same server (discard {files.key.name} and {files.request.name} "
            "written here)\n"
            f"check what the CA returns:  certready lint CERT "
            f"{' '.join('--host ' + h for h in files.hosts)} --profile {files.profile}\n"
        )
        return ExitStatus.OK

    del csr_command
