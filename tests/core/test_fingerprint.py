from errorledger.core.fingerprint import fingerprint


def fp(**overrides: object) -> str:
    fields: dict[str, object] = {
        "kind": "integration_log",
        "source": "1",
        "exception_type": "requests.exceptions.SSLError",
        "status_code": 495,
        "message": "Order 1234 failed",
        "url": "https://shop.example/orders/1234.json?page=1",
    }
    fields.update(overrides)
    return fingerprint(**fields)  # type: ignore[arg-type]


def test_the_same_failure_with_other_ids_groups_together() -> None:
    assert fp() == fp(message="Order 99 failed", url="https://shop.example/orders/99.json?page=7")


def test_different_failures_stay_apart() -> None:
    base = fp()
    assert fp(status_code=500) != base
    assert fp(exception_type="TimeoutError") != base
    assert fp(source="2") != base
    assert fp(message="Order 1234 was refused") != base
    assert fp(url="https://shop.example/customers/1.json") != base
    assert fp(kind="import_error") != base


def test_missing_fields_are_fine() -> None:
    assert len(fp(message=None, url=None, exception_type=None, status_code=None)) == 64
