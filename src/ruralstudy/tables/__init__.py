"""The data tables: sheets, indicator observations, comparability, schemas, the processed tables and the data package."""
