"""The officer desk: the queue, a case, replies, status, assignment, deadlines and rewards.

Every item is sealed and opened through ``hotline.sealing``."""
