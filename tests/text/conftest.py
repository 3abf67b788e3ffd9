import pytest


@pytest.fixture(scope="session")
def model():
    from gardefou.text.model import load_model

    return load_model()


def run_in_threads(work, n: int = 4) -> None:
    """Run work(0) .. work(n - 1) in n threads at once, switching between them as often as
    Python allows, so that races in shared caches show up."""
    import sys
    import threading

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
