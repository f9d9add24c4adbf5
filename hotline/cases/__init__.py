"""Cases: what receiving officers do with disclosures (their sealing is ``hotline.sealing``)."""
