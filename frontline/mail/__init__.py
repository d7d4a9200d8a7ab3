"""The email channel. ``frontline.mail.parse`` and the modules it uses are the pure
mail-understanding layer (no ORM): parsing, charsets, HTML sanitising and text, reply
extraction and robot detection. Start with :func:`frontline.mail.parse.parse_message`."""
