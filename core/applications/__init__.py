"""An application from first draft to admissibility: the form, drafts and submission, attachments,
admission and its checklist, organiser-side changes.
"""
