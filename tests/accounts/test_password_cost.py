"""The product hashes passwords at Argon2id's RFC 9106 low-memory profile (64 MiB, 3 passes,
4 lanes); the tests' own process uses a cheaper hasher (conftest), so this reads the module as
the server loads it."""

import importlib.util

from argon2 import Type, extract_parameters

import backend.accounts.passwords as loaded


def _as_the_server_loads_it():
    spec = importlib.util.spec_from_file_location("passwords_fresh", loaded.__file__)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "backend.accounts"
    spec.loader.exec_module(module)
    return module


def test_the_server_hashes_at_the_rfc_9106_low_memory_profile():
    fresh = _as_the_server_loads_it()
    for hashed in (fresh.hash_password("correct horse battery"), fresh._DUMMY_HASH):
        params = extract_parameters(hashed)
        assert params.type is Type.ID
        assert (params.memory_cost, params.time_cost, params.parallelism) == (65536, 3, 4)
