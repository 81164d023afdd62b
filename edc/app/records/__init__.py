"""Form records: capture and correction of a form at a visit, its values, findings and versions, and what each
change also does.
"""
