import pytest


@pytest.fixture(scope="session")
def model():
    from gardefou.text.model import load_model

    return load_model()
