"""The Scenario: its schema of sections, loading, ``extends`` and the cross-table checks."""
