"""An edition and its set-up: who organises what, competition files and their schema, set-up forms and the
application form's pages, codes' names, geography, the edition's plugins, its public landing page's reads and
its audit log views.
"""
