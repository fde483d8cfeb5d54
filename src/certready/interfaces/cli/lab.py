"""``certready lab``: a private CA for test and training environments (init, issue, sign)."""

from __future__ import annotations

from typing import Annotated

import typer

from certready.adapters.issuance.defects import DEFECTS
from certready.adapters.issuance.keys import KEY_TYPES
from certready.adapters.profiles import load_policy
from certready.core.model import Role
from certready.interfaces.cli.common import ExitStatus
from certready.interfaces.cli.main import current_streams
from certready.interfaces.cli.options import DEFAULT_PROFILE, host_option, profile_option
from certready.interfaces.cli.secrets import read_secret
from certready.services import lab as lab_service

LabOption = Annotated[
    str | None,
    typer.Option(
        "--lab",
        envvar="CERTREADY_LAB",
        metavar="DIR",
        help="The lab folder (default: $CERTREADY_LAB).",
    ),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite existing files.")]
RoleOption = Annotated[
    Role, typer.Option(help="ssl: a TLS server; sts: a token-signing certificate.")
]
DaysOption = Annotated[
    int, typer.Option(metavar="N", help=f"Validity in days, at most {lab_service.MAX_DAYS}.")
]
KEY_TYPE_HELP = f"Key: {', '.join(KEY_TYPES)}."


EPILOG = """\
\b
Examples:
  certready lab init lab/ && export CERTREADY_LAB=$PWD/lab
  certready lab issue --host app.example.com --out certs/ --password-env PFX_PASS
  certready lab issue --host app.example.com --out bad/ --defect expired
  certready lab sign req/app.example.com.csr --out certs/
  certready lab revoke certs/app.example.com.pem
"""


def register(app: typer.Typer) -> None:
    lab = typer.Typer(
        name="lab",
        help="A private lab CA that issues what the install guide wants (never for production).",
        epilog=EPILOG,
        no_args_is_help=True,
    )

    @lab.command("init")
    def init_command(
        directory: Annotated[
            str, typer.Argument(metavar="DIR", help="Folder for the lab CA.", show_default=False)
        ],
        key_type: Annotated[
            str, typer.Option(metavar="TYPE", help=f"CA {KEY_TYPE_HELP}")
        ] = "rsa3072",
        crl_url: Annotated[
            str | None,
            typer.Option(metavar="URL", help="Base URL for CRL distribution points (optional)."),
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace an existing lab.")] = False,
    ) -> int:
        """Create a root CA (10 years, pathLen 1) and an issuing CA (5 years, pathLen 0), keys 0600."""
        files = lab_service.init(directory, key_type=key_type, crl_base_url=crl_url, force=force)
        write = current_streams().stdout.write
        write(f"wrote {files.root_certificate}  (root CA; SHA-256 {files.root_sha256})\n")
        write(f"wrote {files.root_key}  (root key, 0600)\n")
        write(f"wrote {files.issuing_certificate}  (issuing CA)\n")
        write(f"wrote {files.issuing_key}  (issuing key, 0600)\n")
        write(f"wrote {files.ca_chain}  (issuing CA + root)\n")
        write(
            f"next: export CERTREADY_LAB={files.directory.resolve()}; install "
            f"{files.root_certificate.name} as a trusted root on the lab's servers and clients\n"
        )
        return ExitStatus.OK

    @lab.command("issue")
    def issue_command(
        out: Annotated[
            str,
            typer.Option(
                "--out", "-o", metavar="DIR", help="Folder for the files.", show_default=False
            ),
        ],
        host: Annotated[
            list[str] | None, host_option("A name clients use (DNS or IP); repeat for each.")
        ] = None,
        lab_dir: LabOption = None,
        role: RoleOption = Role.SSL,
        key_type: Annotated[str, typer.Option(metavar="TYPE", help=KEY_TYPE_HELP)] = "rsa2048",
        days: DaysOption = lab_service.DEFAULT_DAYS,
        defect: Annotated[
            str | None,
            typer.Option(
                metavar="NAME",
                help=f"Plant one defect (training, tests): {', '.join(DEFECTS)}.",
            ),
        ] = None,
        password_env: Annotated[
            str | None,
            typer.Option(metavar="VAR", help="PFX password from this environment variable."),
        ] = None,
        password_file: Annotated[
            str | None,
            typer.Option(metavar="FILE", help="PFX password from this file's first line."),
        ] = None,
        no_pfx: Annotated[bool, typer.Option("--no-pfx", help="Do not write a PFX.")] = False,
        legacy_pfx: Annotated[
            bool,
            typer.Option(
                "--legacy-pfx",
                help="PFX with 3DES and a SHA-1 MAC, for Windows Server 2016 and older.",
            ),
        ] = False,
        force: ForceOption = False,
    ) -> int:
        """Issue a key and certificate that pass the homecare profile: PEM, PEM chain, key (0600)
        and a PKCS#12 with the full chain (AES-256; --legacy-pfx for 3DES/SHA-1)."""
        lab_service.refuse_stdout(out)
        lab_service.open_lab(lab_dir)  # a missing lab is reported before asking for a password
        lab_service.check_request(host or (), role, key_type, days, defect)  # so is a bad option
        password = None
        if not no_pfx:
            password = read_secret(
                env=password_env, file=password_file, prompt="PFX password", option="password"
            )
        issued = lab_service.issue(
            lab_dir,
            out,
            lab_service.IssueOptions(
                hosts=tuple(host or ()),
                role=role,
                key_type=key_type,
                days=days,
                defect=defect,
                pfx_password=password,
                legacy_pfx=legacy_pfx,
                force=force,
            ),
        )
        _print_issued(issued)
        return ExitStatus.OK

    @lab.command("sign")
    def sign_command(
        request: Annotated[
            str, typer.Argument(metavar="CSR", help="The request (PEM or DER).", show_default=False)
        ],
        out: Annotated[
            str,
            typer.Option("--out", "-o", metavar="DIR", help="Folder for the certificate files."),
        ] = ".",
        lab_dir: LabOption = None,
        role: RoleOption = Role.SSL,
        days: DaysOption = lab_service.DEFAULT_DAYS,
        profile: Annotated[
            str, profile_option("Refuse a request this policy would reject.")
        ] = DEFAULT_PROFILE,
        force: ForceOption = False,
    ) -> int:
        """Sign a request: its SAN names (or its CN), usages as the policy wants, the lab policy."""
        issued = lab_service.sign(
            lab_dir,
            request,
            out,
            role=role,
            days=days,
            policy=load_policy(profile),
            force=force,
        )
        _print_issued(issued)
        return ExitStatus.OK

    @lab.command("revoke")
    def revoke_command(
        certificate: Annotated[
            str,
            typer.Argument(
                metavar="CERT",
                help="A certificate the lab issued (PEM or DER).",
                show_default=False,
            ),
        ],
        lab_dir: LabOption = None,
    ) -> int:
        """Revoke a lab certificate and write new CRLs (issuing-ca.crl, root-ca.crl)."""
        _print_crls(lab_service.revoke(lab_dir, certificate))
        return ExitStatus.OK

    @lab.command("crl")
    def crl_command(lab_dir: LabOption = None) -> int:
        """Write fresh CRLs (next CRL number, valid a week) for the lab's revocations."""
        _print_crls(lab_service.publish_crls(lab_dir))
        return ExitStatus.OK

    @lab.command("defects")
    def defects_command() -> int:
        """List the defects `lab issue --defect` can plant and the rule each makes fire."""
        write = current_streams().stdout.write
        for d in DEFECTS.values():
            write(f"{d.name:<20} {d.rule_id:<28} {d.description}\n")
        return ExitStatus.OK

    del init_command, issue_command, sign_command, revoke_command, crl_command, defects_command
    app.add_typer(lab)


def _print_issued(issued: lab_service.IssuedFiles) -> None:
    write = current_streams().stdout.write
    names = ", ".join(issued.hosts) or "(no names)"
    write(
        f"wrote {issued.certificate}  ({issued.role.value} certificate for {names}; "
        f"valid to {issued.not_after:%Y-%m-%d}; SHA-256 {issued.fingerprint_sha256})\n"
    )
    write(f"wrote {issued.chain}  (certificate + issuing CA, as a server sends it)\n")
    if issued.key is not None:
        write(f"wrote {issued.key}  (private key, PKCS#8, 0600)\n")
    if issued.pfx is not None:
        cipher = "3DES, SHA-1 MAC" if issued.legacy_pfx else "AES-256, SHA-256 MAC"
        write(f"wrote {issued.pfx}  (PKCS#12 with the full chain, {cipher}, 0600)\n")
    if issued.defect:
        write(f"planted defect {issued.defect}: certready lint reports {issued.expected_rule}\n")
    write(f"trust: {issued.lab_root} is the lab root clients must trust\n")
    inputs = " ".join(str(p) for p in (issued.chain, issued.key) if p is not None)
    hosts = "".join(f" --host {h}" for h in issued.hosts)
    role = " --role sts" if issued.role is Role.STS else ""
    write(f"check: certready lint {inputs}{hosts}{role} --trust {issued.lab_root}\n")


def _print_crls(crls: lab_service.CrlFiles) -> None:
    write = current_streams().stdout.write
    revoked = ", ".join(crls.revoked_serials) or "none"
    write(f"wrote {crls.issuing_crl}  (CRL #{crls.crl_number}; revoked serials: {revoked})\n")
    write(f"wrote {crls.root_crl}  (CRL #{crls.crl_number}; no intermediate revoked)\n")
    write(
        f"valid until {crls.next_update:%Y-%m-%d %H:%M} UTC; publish them at the lab's CRL URL, "
        f"or check with: certready lint CERT --crl {crls.issuing_crl}\n"
    )
