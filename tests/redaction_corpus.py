"""Secrets of every rule and shape, and look-alikes that must stay: shared by the core's
redaction tests and the tests that post them through every family."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Secret:
    """A secret a value rule finds wherever it stands. ``core`` is the part that must never
    be served back (the credential after "Bearer", the password of a URL); the whole value
    when None."""

    rule: str
    value: str
    secret_part: str | None = None

    @property
    def core(self) -> str:
        return self.value if self.secret_part is None else self.secret_part


@dataclasses.dataclass(frozen=True)
class NamedSecret:
    """A value that is a secret by the name it is sent under. ``parameter_only``: the name
    is a credential only as a query or form parameter."""

    name: str
    value: str
    parameter_only: bool = False


VALUE_SECRETS = [
    Secret(
        "jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjb3JwdXMtMDEifQ.c2lnbmF0dXJlMDE"
    ),
    Secret("jwt", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0.QmFzZTY0U2lnMDI"),
    Secret("jwt", "eyJhbGciOiJub25lIn0.eyJ1c2VyIjoiY29ycHVzMDMifQ."),
    Secret("http_credential", "Bearer 7f3a9c1e5b2d4f6a8c0e", "7f3a9c1e5b2d4f6a8c0e"),
    Secret("http_credential", "Basic YWxpY2U6czNjcjN0LXB3", "YWxpY2U6czNjcjN0LXB3"),
    Secret("http_credential", "Token tk_4b8d2f6a1c3e5a7b", "tk_4b8d2f6a1c3e5a7b"),
    Secret("aws_access_key_id", "AKIAIOSFODNN7CORPUS1"),
    Secret("aws_access_key_id", "ASIAY34FZKBOKMUTVV7A"),
    Secret(
        "aws_secret_access_key",
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYCORPUS0001",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCORPUS0001",
    ),
    Secret("stripe_key", "sk_live_51H8x2bLkdIwHu7ixCorpus01"),
    Secret("stripe_key", "rk_live_51H8x2bLkdIwHu7ixCorpus02"),
    Secret("stripe_key", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    Secret("github_token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
    Secret("github_token", "gho_16C7e42F292c6912E7710c838347Ae178B4b"),
    Secret("github_token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789AB"),
    Secret("gitlab_token", "glpat-xS2vPmH8bN3rQ7tW1yZ4"),
    Secret("slack_token", "xoxb-2893749382-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
    Secret("slack_token", "xoxp-2893749382-9876543210987-ZyXwVuTsRqPoNmLkJiHgFeDc"),
    Secret("google_api_key", "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"),
    Secret("sendgrid_key", "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"),
    Secret("twilio_key", "SKb4a1c3d5e7f9a2b4c6d8e0f1a3b5c7d9"),
    Secret(
        "private_key",
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeK\n"
        "-----END RSA PRIVATE KEY-----",
        "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeK",
    ),
    Secret(
        "private_key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n"
        "-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB",
    ),
    Secret(
        "private_key",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    ),
    Secret("card_number", "4111 1111 1111 1111"),
    Secret("card_number", "5500-0000-0000-0004"),
    Secret("card_number", "378282246310005"),
    Secret("card_number", "6011000990139424"),
    Secret("iban", "DE89 3704 0044 0532 0130 00"),
    Secret("iban", "GB82WEST12345698765432"),
    Secret("iban", "FR1420041010050500013M02606"),
    Secret("url_password", "https://shop:S3cr3t-Pa55@partner.example/api", "S3cr3t-Pa55"),
    Secret("url_password", "postgres://app:db-pw-7781@db.internal:5432/shop", "db-pw-7781"),
    Secret(
        "credential_parameter",
        "https://api.example.com/v1?api_key=9f8e7d6c5b4a3921",
        "9f8e7d6c5b4a3921",
    ),
    Secret(
        "credential_parameter", "https://maps.example.com/geo?q=x&key=AbC123dEf456", "AbC123dEf456"
    ),
    Secret(
        "credential_parameter",
        "https://blob.example.net/c/f?sv=2021&sig=Zm9vYmFyYmF6cXV4",
        "Zm9vYmFyYmF6cXV4",
    ),
    Secret(
        "secret_header",
        "HTTP/1.1 200 OK\r\nSet-Cookie: sid=31d4d96e407aad42; HttpOnly",
        "31d4d96e407aad42",
    ),
    Secret(
        "secret_json_field",
        '{"refresh_token": "1//0gCorpusRefreshToken38", "expires_in": 36',
        "1//0gCorpusRefreshToken38",
    ),
]
# Card numbers sent as JSON numbers.
CARD_NUMBER_INTEGER = 4012888888881881

# Names whose values are secrets: sent as object keys, as query or form parameters, and
# in header blocks.
NAMED_SECRETS = [
    NamedSecret("password", "corpus-pw-01"),
    NamedSecret("db_password", "corpus-pw-02"),
    NamedSecret("passwd", "corpus-pw-03"),
    NamedSecret("passphrase", "corpus-pw-04"),
    NamedSecret("client_secret", "corpus-cs-05"),
    NamedSecret("clientSecret", "corpus-cs-06"),
    NamedSecret("access_token", "corpus-at-07"),
    NamedSecret("refreshToken", "corpus-rt-08"),
    NamedSecret("id_token", "corpus-it-09"),
    NamedSecret("session_token", "corpus-st-10"),
    NamedSecret("X-CSRF-Token", "corpus-csrf-11"),
    NamedSecret("api_key", "corpus-ak-12"),
    NamedSecret("apiKey", "corpus-ak-13"),
    NamedSecret("X-Api-Key", "corpus-ak-14"),
    NamedSecret("private_key", "corpus-pk-15"),
    NamedSecret("signature", "corpus-sig-16"),
    NamedSecret("Authorization", "corpus-auth-17"),
    NamedSecret("Proxy-Authorization", "corpus-auth-18"),
    NamedSecret("Cookie", "corpus-cookie-19"),
    NamedSecret("Set-Cookie", "corpus-cookie-20"),
    NamedSecret("sessionid", "corpus-sid-21"),
    NamedSecret("secret", "corpus-secret-22"),
    NamedSecret("token", "corpus-token-23"),
    NamedSecret("key", "corpus-key-24", parameter_only=True),
    NamedSecret("sig", "corpus-sig-25", parameter_only=True),
]
EMAIL = "jane.doe@corpus.example"

# Texts that look like secrets and are not: each must come back exactly as sent.
LOOK_ALIKE_TEXTS = [
    "token_type=bearer&expires_in=3600",
    "https://shop.example/a?page=2&token_type=bearer&password_hint=pet",
    "order 1234567812345678 failed",  # 16 digits, fails the Luhn check
    "order 4111 1111 1111 1112 failed",
    "commit 8f14e45fceea167a5a36dedd4bea2543ed0ddb43",
    "build 2f7e3a91c4b85d06e12a9f3b7c8d4e5f60718293",
    "Basic authentication failed for user shop",
    "Bearer realm=shop",
    "token expired, please sign in again",
    "the password is wrong",
    "Authorization header missing",
    "phone +49 30 1234567",
    "at 2026-12-07T10:11:12.123456Z in 1733566272123456 us",
    "DE00 1234 5678 9012 3456 78",  # IBAN-shaped, wrong check digits
    "GB00WEST12345698765432",
    "run 64344881-39607-6 of 5",  # passes the Luhn check, but no card is printed so
    "AKIA-not-a-key",
    "sk_live_short",
    "eyJhbGciOi",
    "x@y",
    "jane.doe@example.com",  # e-mail addresses stay unless asked for
    "monkey=banana&keyboard=de",
    "Content-Type: application/json\r\nAccept: */*",
    '{"token_type": "bearer", "expires_in": 3600, "scope": "read"}',
]
LOOK_ALIKE_OBJECT: dict[str, Any] = {
    "token_type": "bearer",
    "password_hint": "first pet",
    "expires_in": 3600,
    "token_expires_at": "2026-12-07T10:00:00Z",
    "key": "order_id",
    "primary_key": "id",
    "idempotency_key": "7c9e6679-7425-40de-944b-e07cc1f2b6f4",
    "order_number": 1234567812345678,
    "received_at_us": 1733566272123456,
    "commit": "8f14e45fceea167a5a36dedd4bea2543ed0ddb43",
    "headers": [{"name": "Accept", "value": "*/*"}, {"name": "X-Request-Id", "value": "r-1"}],
    "author": "jane",
}
