#!/usr/bin/env python3
"""Validates SARIF files against the official SARIF 2.1.0 JSON schema (draft-04) vendored next
to this script (sarif-schema-2.1.0.json, from github.com/oasis-tcs/sarif-spec,
sarif-2.1/schema/). Exit 0: all valid; 1: a file is invalid (each error printed); 2: usage, or
the jsonschema module is missing (Debian: python3-jsonschema)."""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("validate-sarif: the jsonschema module is missing (apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(2)

if len(sys.argv) < 2:
    print("usage: validate-sarif.py FILE.sarif...", file=sys.stderr)
    sys.exit(2)

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "sarif-schema-2.1.0.json"), encoding="utf-8") as handle:
    validator = jsonschema.Draft4Validator(json.load(handle))

status = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    for error in validator.iter_errors(document):
        location = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        print(f"{path}: {location}: {error.message}")
        status = 1
sys.exit(status)
