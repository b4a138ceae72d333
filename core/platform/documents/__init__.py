"""Documents Giuria hands out: tables as CSV and XLSX, charts as SVG and PNG, reports as PDF.

Built from plain data, with no database access, so exports, the verbale and sponsor reports share them.
Rendering is CPU work: call these from a worker thread (`anyio.to_thread.run_sync`) in request handlers.
"""
