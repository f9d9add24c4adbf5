"""Cases: what receiving officers do with disclosures, and how case records are sealed."""
