"""The import of dossiers collected with Démarches Simplifiées: its GraphQL client
(``client``), the encryption of the stored API tokens (``secrets``), the import workflow
(``workflow``) and its background task (``tasks``), the staff forms and views."""
