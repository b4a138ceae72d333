"""An application from first draft to admissibility: the form, drafts and submission, attachments,
admission and its checklist, organiser-side changes, applications listed for the API and team make-up
for the statistics.
"""
