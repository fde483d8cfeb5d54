"""Rules: tls. What a live server presents, as opposed to what the files say.

Declared here with :func:`analysed_elsewhere`: the scanner (:mod:`certready.core.served`, fed by
``certready scan``) emits their findings, so the policy still decides their severity and whether they
run.
"""

from __future__ import annotations

from certready.core.model import Severity
from certready.core.rules.registry import analysed_elsewhere, rule

rule(
    id="tls.intermediate-not-sent",
    title="The server does not send its intermediate certificate(s)",
    severity=Severity.ERROR,
    rationale=(
        "A server must send every intermediate between its certificate and the root (RFC 8446 §4.4.2, "
        "RFC 5246 §7.4.2). Browsers often fill the gap from a cache or AIA download, so the site "
        "'works in my browser' while phone apps, Java, Python and curl refuse it."
    ),
    remediation=(
        "Install the issuing CA's intermediate certificate(s) with the server certificate: on IIS "
        "import them into the Intermediate Certification Authorities store of the computer account; "
        "on nginx/Apache append them to the certificate file after the server certificate."
    ),
    references=("RFC 8446 §4.4.2", "RFC 5246 §7.4.2", "install guide: certificate chain"),
)(analysed_elsewhere)

rule(
    id="tls.wrong-order",
    title="The server sends its chain out of order",
    severity=Severity.WARNING,
    rationale=(
        "TLS 1.2 requires each certificate to certify the one before it (RFC 5246 §7.4.2); TLS 1.3 "
        "tolerates disorder but older clients and embedded TLS stacks still reject it."
    ),
    remediation="Order the served chain leaf first, then its issuer, then that CA's issuer.",
    references=("RFC 5246 §7.4.2", "RFC 8446 §4.4.2"),
)(analysed_elsewhere)

rule(
    id="tls.unexpected-leaf",
    title="The server presents a different certificate than expected",
    severity=Severity.ERROR,
    rationale=(
        "The certificate served differs from the one expected (--expect-sha256): a binding still "
        "points at the old certificate, the wrong site answers, or something intercepts the traffic."
    ),
    remediation=(
        "Bind the new certificate to the site or port (IIS: Site Bindings > https > SSL certificate; "
        "netsh http show sslcert for other ports) and restart the service."
    ),
    references=("install guide: binding the certificate",),
)(analysed_elsewhere)

rule(
    id="tls.unexpected-issuer",
    title="The served certificate was not issued by the expected CA",
    severity=Severity.ERROR,
    rationale=(
        "A certificate from another CA than the one the deployment uses is the signature of a "
        "TLS-inspecting proxy or firewall re-signing the traffic; clients that do not trust that "
        "proxy's CA (phones, tablets, the app) will fail."
    ),
    remediation=(
        "Exempt the application's FQDNs from TLS inspection on the proxy/firewall (bypass list), or "
        "check that the scan reached the real server."
    ),
    references=("install guide: proxy server settings", "DESIGN §2 topology"),
)(analysed_elsewhere)

rule(
    id="tls.protocol-obsolete",
    title="The server negotiates a TLS version below 1.2",
    severity=Severity.ERROR,
    rationale=(
        "TLS 1.0 and 1.1 are deprecated (RFC 8996); current browsers, iOS, Android and .NET refuse "
        "them, and PCI DSS forbids them."
    ),
    remediation=(
        "Disable SSL 3.0, TLS 1.0 and TLS 1.1 on the server (Windows: SCHANNEL\\Protocols registry "
        "keys or IIS Crypto; nginx: ssl_protocols TLSv1.2 TLSv1.3) and enable TLS 1.2 and 1.3."
    ),
    references=("RFC 8996", "NIST SP 800-52r2 §3.1"),
)(analysed_elsewhere)

rule(
    id="tls.sni-differs",
    title="The server presents another certificate to clients that send no SNI",
    severity=Severity.INFO,
    rationale=(
        "Clients that omit Server Name Indication (old libraries, some monitoring tools, clients "
        "connecting by IP address) receive the default binding's certificate, not this site's."
    ),
    remediation=(
        "If such clients connect, make this certificate the default binding (IIS: a binding without "
        "'Require Server Name Indication'; nginx: default_server)."
    ),
    references=("RFC 6066 §3",),
)(analysed_elsewhere)
