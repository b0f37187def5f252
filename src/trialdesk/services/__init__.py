"""Use cases: one function and one transaction each, computing derived values through the domain."""
