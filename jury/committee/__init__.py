"""A continuous window's committee: sessions, agendas, decisions published session by session,
and the envelope every call may carry."""
