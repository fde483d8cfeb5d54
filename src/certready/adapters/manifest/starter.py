"""The commented starting manifest ``certready manifest init`` writes."""

from __future__ import annotations

STARTER = """\
# certready deployment manifest — describe the deployment once; `certready audit` checks it all.
# Paths are relative to this file. Schema: `certready manifest schema`.
deployment: My Home Health            # a name for the reports
policy: homecare                      # built-in profile (homecare, webpki) or a .toml file

environments:
  production:
    servers:
      - name: app
        roles: [app, sts]             # app, sts, mobile-phone, mobile-tablet, physician-portal
        fqdn: hcappserver.example.org
        external_fqdns: []            # internet-facing names clients also type
        endpoint: hcappserver.example.org:443   # scanned with `certready audit --live`
        certificate: certs/app.pfx    # PEM, DER or PFX; `key:` for a separate key file
        password_env: APP_PFX_PASSWORD          # or password_file: (never the password itself)
        sts_certificate: certs/sts.pfx
        sts_password_env: STS_PFX_PASSWORD
      - name: mobile
        roles: [mobile-phone, mobile-tablet]
        fqdn: hctabletserver.example.org
        external_fqdns: [mobile.example.org]
        certificate: certs/mobile.pfx
        password_env: MOBILE_PFX_PASSWORD
  test:
    servers:
      - name: app
        roles: [app, sts]
        fqdn: hctestserver.example.org
        certificate: certs/test-app.pfx
        password_env: TEST_PFX_PASSWORD
        sts_certificate: certs/test-sts.pfx
        sts_password_env: TEST_PFX_PASSWORD

trust:                                # a private CA: what every server and client must trust
  roots: [pki/root.cer]
  intermediates: [pki/issuing.cer]

clients:                              # platforms: windows, macos, linux, ios, ipados, android
  - {name: office PCs, platform: windows, connects_to: [hcappserver.example.org]}
  - {name: field tablets, platform: ios, connects_to: [mobile.example.org]}
  - {name: field phones, platform: android, connects_to: [mobile.example.org]}

# proxy:                              # omit when there is no proxy (the guide recommends none)
#   server: proxy.example.org:8080    # host:port, what `netsh winhttp set proxy` needs
#   bypass: "*.example.org;<local>"   # Windows bypass-list syntax: ';' separated, * wildcards

# profile_identifier: org.example     # reverse-DNS prefix of the iOS/iPadOS profiles of the plan
"""
