"""What comes in and goes out: imports from other systems' exports and the
file readers behind them, the review pack (Excel), backups, and reminder
e-mails.
"""
