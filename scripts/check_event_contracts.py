#!/usr/bin/env python3
"""Validates event samples against the JSON Schemas under contracts/events/.

    check_event_contracts.py CONTRACTS_DIR SAMPLE.json...

Each sample is one CloudEvents JSON document; its "type" names the schema file
(<type>.json). Exit 0 when every sample is valid, 1 with one line per problem otherwise.
Needs Debian's python3-jsonschema (scripts/install-deps.sh installs it).
"""
import json
import pathlib
import sys

import jsonschema


def main() -> int:
    contracts = pathlib.Path(sys.argv[1])
    problems = []
    for sample_path in sys.argv[2:]:
        sample = json.loads(pathlib.Path(sample_path).read_text())
        schema_path = contracts / f"{sample.get('type')}.json"
        if not schema_path.exists():
            problems.append(f"{sample_path}: no contract {schema_path.name}")
            continue
        schema = json.loads(schema_path.read_text())
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        for error in validator.iter_errors(sample):
            where = "/".join(str(part) for part in error.absolute_path) or "(root)"
            problems.append(f"{sample_path}: {where}: {error.message}")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
