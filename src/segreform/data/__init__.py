"""segreform.data: Sweden's geography and statistics, importers (SCB PX-Web CSV, PxWebApi 2, Kolada, own
files), and the read API (:mod:`segreform.data.queries`) the other jobs use."""
