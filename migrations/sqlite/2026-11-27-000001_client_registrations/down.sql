-- Self-registered applications would read as made by hand.
DROP TABLE client_registrations;
