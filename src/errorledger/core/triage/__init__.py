"""From records to action: an entry's failure class and cause (``classify``), the cause's
hint (``hints``), from an open catalogue of rules (``catalogue``)."""
