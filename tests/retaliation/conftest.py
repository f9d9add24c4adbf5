"""The channels' own fixtures, for tests that drive several channels."""

from tests.intake.conftest import email_app  # noqa: F401
from tests.intake.test_sms import africastalking, phone, sms_app  # noqa: F401
from tests.intake.test_ussd import ussd_app  # noqa: F401
