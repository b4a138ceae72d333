"""The live final: the running order and its clock, jurors scoring from their phones, the big screen, the audience
vote, and the events that keep every page of the day up to date across workers."""
