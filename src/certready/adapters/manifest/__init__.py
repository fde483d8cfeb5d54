"""The deployment manifest: YAML -> validated model -> :class:`~certready.core.deployment.Deployment`.

The YAML is composed into nodes first so every key keeps its line (``yaml_lines``, bounded against
hostile input); pydantic validates the shape (``model``: unknown keys are errors) and every error is
reported at once (``messages``), each naming the file, the line and the dotted key
(``environments.production.servers[0].fqdn``). Certificate paths are resolved against the manifest's
folder (``deployment``); Windows-made manifests are read as written (``load``: UTF-16 from
PowerShell 5, a UTF-8 byte-order mark from Notepad, ``certs\\app.pfx`` paths). The JSON Schema of
the shape is generated from the same models and shipped as ``manifest_schema.json`` (editors
autocomplete with it); ``starter`` is what ``certready manifest init`` writes.
"""

from __future__ import annotations

from certready.adapters.manifest.deployment import policy_spec, to_deployment
from certready.adapters.manifest.load import decode_manifest, load_manifest, parse_manifest
from certready.adapters.manifest.messages import known_keys
from certready.adapters.manifest.model import (
    SCHEMA_FILE,
    ManifestModel,
    json_schema,
    json_schema_text,
)
from certready.adapters.manifest.starter import STARTER
from certready.adapters.manifest.yaml_lines import MAX_DEPTH, MAX_MANIFEST_BYTES, MAX_VALUES, dotted

__all__ = [
    "MAX_DEPTH",
    "MAX_MANIFEST_BYTES",
    "MAX_VALUES",
    "SCHEMA_FILE",
    "STARTER",
    "ManifestModel",
    "decode_manifest",
    "dotted",
    "json_schema",
    "json_schema_text",
    "known_keys",
    "load_manifest",
    "parse_manifest",
    "policy_spec",
    "to_deployment",
]
