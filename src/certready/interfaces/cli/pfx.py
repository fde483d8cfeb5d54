"""``certready pfx``: certificate + key (+ intermediates) -> the PKCS#12 file Windows imports."""

from __future__ import annotations

from typing import Annotated

import typer

from certready.interfaces.cli.common import ExitStatus
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.secrets import read_secret
from certready.services.pfx import gather, write_pfx

EPILOG = """\
\b
Examples:
  certready pfx certs/app.pem certs/app.key certs/issuing.pem --out app.pfx --password-env PFX_PASS
  certready pfx certs/app.pem certs/app.key --out app.pfx --legacy    Windows Server 2016 and older
  certready pfx certs/app.pem certs/app.key.enc --out app.pfx --key-password-file key.pass
  certready pfx app.cer app.key chain.p7b --out app.pfx     DER .cer, a key, the CA's .p7b
  certready pfx live/app/fullchain.pem live/app/privkey.pem --out app.pfx   certbot's files
  certready pfx app.pfx app.pfx --legacy --out app-2016.pfx --key-password-env OLD_PASS
                                           rebuild an AES PFX for Windows Server 2016
"""


def register(app: typer.Typer) -> None:
    @app.command("pfx", epilog=EPILOG)
    def pfx_command(
        certificate: Annotated[
            str,
            typer.Argument(
                metavar="CERT",
                help="The certificate (PEM, DER, .p7b, or a PFX to rebuild; may hold its chain).",
                show_default=False,
            ),
        ],
        key: Annotated[
            str,
            typer.Argument(
                metavar="KEY",
                help="Its private key (PEM or DER; may be CERT itself).",
                show_default=False,
            ),
        ],
        chain: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="CHAIN",
                help="Files with the intermediate CA certificates (PEM, DER, .p7b).",
            ),
        ] = None,
        out: Annotated[
            str,
            typer.Option(
                "--out",
                "-o",
                metavar="FILE.pfx",
                help="The PFX to write (0600).",
                show_default=False,
            ),
        ] = "",
        legacy: Annotated[
            bool,
            typer.Option(
                "--legacy", help="3DES and a SHA-1 MAC, for Windows Server 2016 and older."
            ),
        ] = False,
        include_root: Annotated[
            bool,
            typer.Option("--include-root", help="Also put the root CA certificate in the PFX."),
        ] = False,
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing FILE.")] = False,
        password_env: Annotated[
            str | None,
            typer.Option(metavar="VAR", help="The new PFX's password from this variable."),
        ] = None,
        password_file: Annotated[
            str | None,
            typer.Option(
                metavar="FILE", help="The new PFX's password from this file's first line."
            ),
        ] = None,
        key_password_env: Annotated[
            str | None,
            typer.Option(
                metavar="VAR", help="Unlocks an encrypted KEY or an input PFX: from this variable."
            ),
        ] = None,
        key_password_file: Annotated[
            str | None,
            typer.Option(
                metavar="FILE",
                help="Unlocks an encrypted KEY or an input PFX: this file's first line.",
            ),
        ] = None,
    ) -> int:
        """Build the PFX (PKCS#12) Windows imports from a certificate, its key and its
        intermediates: AES-256 with a SHA-256 MAC, or --legacy. Without --password-env or
        --password-file the new PFX's password is asked on the terminal.

        Exit status: 0 written, 2 usage or input error (a key that does not match the
        certificate, no password source without a terminal, an existing FILE without --force).
        """
        from certready.core.errors import UsageError

        if not out:
            raise UsageError("give --out FILE.pfx (the PFX holds the private key: never stdout)")
        key_password = read_secret(
            env=key_password_env, file=key_password_file, prompt=None, option="key-password"
        )
        inputs = gather(
            certificate, key, chain or (), key_password=key_password, include_root=include_root
        )
        password = read_secret(
            env=password_env, file=password_file, prompt="PFX password", option="password"
        )
        assert password is not None
        written = write_pfx(inputs, out, password, legacy=legacy, force=force)
        cipher = "3DES, SHA-1 MAC" if legacy else "AES-256, SHA-256 MAC"
        roots = sum(1 for c in inputs.chain if c.subject == c.issuer)
        write = current_streams().stdout.write
        write(
            f"wrote {written.path}  (PKCS#12: certificate {written.thumbprint_sha1} with its key, "
            f"{len(inputs.chain) - roots} intermediate(s){', the root' if roots else ''}; "
            f"{cipher}; 0600)\n"
        )
        if inputs.left_out_roots:
            write("left out the root (clients trust it from their store; --include-root adds it)\n")
        return ExitStatus.OK

    del pfx_command
