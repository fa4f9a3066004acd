from interviews.ordering import natural_key, naturally


def test_natural_order() -> None:
    assert naturally(["R10", "R2", "r1", "P2a", "P10"], key=str) == ["P2a", "P10", "r1", "R2", "R10"]
    assert natural_key("Interview 9") < natural_key("Interview 10")
