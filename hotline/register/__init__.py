"""The codename register: who a reporter is, released one recorded request at a time."""
