"""SDTM export jobs: started by data managers, run in the background, their progress, failures and files."""
