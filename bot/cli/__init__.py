"""The `kept` command line: one module per group of commands (run, people, channels, reports,
ops), the table of commands in commands.py, the parser built from it in table.py, and what they
share in common.py. Heavy imports happen inside the commands, so `kept --help` stays fast."""
