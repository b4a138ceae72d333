"""Pure judging maths: plain data in, plain data out; no database, files or clock."""
