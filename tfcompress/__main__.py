from tfcompress.cli import command_line

command_line()
