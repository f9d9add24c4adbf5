"""The SMS phone and app fixtures, shared with the SMS channel's own tests."""

from tests.intake.test_sms import africastalking, phone, sms_app  # noqa: F401
