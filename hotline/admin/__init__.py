"""Administration of the desk: officers, designations, queue key rotation and recovery.

An administrator reads no case unless designated to its queue like anyone else."""
