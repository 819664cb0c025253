"""GridApp: home–school collaboration (家校协同育人) for a school district."""


def create_app(config=None):
    from gridapp.app import create_app as _create_app

    return _create_app(config)
