"""The protocol file: YAML validated by a pydantic schema, converted into frozen domain objects."""

from trialdesk.adapters.protocol_file.reader import (
    builtin_protocol_path,
    parse_protocol,
    read_protocol_file,
)

__all__ = ["builtin_protocol_path", "parse_protocol", "read_protocol_file"]
