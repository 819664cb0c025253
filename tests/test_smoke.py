def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json == {"status": "ok", "database": "ok"}


def test_world_builds(world, login, client):
    login("head_teacher")
    r = client.get(f"/classes/{world.class_a1}")
    assert r.status_code == 200
    assert "王小明" in r.get_data(as_text=True)
