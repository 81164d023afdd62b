"""Medical coding (MedDRA, WHODrug) as a data manager's workflow: dictionaries, the queue, decisions."""
