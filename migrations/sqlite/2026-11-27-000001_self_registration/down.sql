-- Self-registered applications would read as made by hand.
DROP TABLE initial_access_tokens;
DROP TABLE client_registrations;
