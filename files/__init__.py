"""Uploaded files (evidence, 佐证材料): checked by content, stored under generated
names, served only as attachments. A plain package, not a Django app."""
