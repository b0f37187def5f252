"""Pure clinical and trial rules: no I/O, no database, no web.

Everything here imports only the standard library and numpy, so that the same rule serves one
patient in the web application and a million virtual patients in the simulator.
"""
