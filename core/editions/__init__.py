"""An edition and its set-up: who organises what, competition files and their schema, set-up forms,
geography, the edition's plugins and its audit log views.
"""
