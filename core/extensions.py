"""The one instance of each Flask extension (login, CSRF, migrations, compression), bound to the app by
``core.create_app``.

They live here rather than in ``core/__init__.py`` so that a module needing one (``csrf.exempt``, the login
manager's settings) imports this small module, not the composition root that imports every package.
"""

from __future__ import annotations

from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()
compress = Compress()
