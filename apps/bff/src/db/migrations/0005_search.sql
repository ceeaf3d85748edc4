-- Substring search for the console's lists (Manage tokens by name or user, Users by any name
-- field): FTS5 with the trigram tokenizer answers "contains" (case-insensitive) from an index
-- instead of a scan of every row. External-content tables: the text stays in the base tables;
-- the triggers keep the indexes in step, and fire only when a searched column changes (usage
-- figures and last login never touch them).
CREATE VIRTUAL TABLE `external_tokens_search` USING fts5(name, content='external_tokens', content_rowid='id', tokenize='trigram');--> statement-breakpoint
INSERT INTO `external_tokens_search`(`external_tokens_search`) VALUES ('rebuild');--> statement-breakpoint
CREATE TRIGGER `external_tokens_search_ai` AFTER INSERT ON `external_tokens` BEGIN
  INSERT INTO `external_tokens_search`(rowid, name) VALUES (new.id, new.name);
END;--> statement-breakpoint
CREATE TRIGGER `external_tokens_search_ad` AFTER DELETE ON `external_tokens` BEGIN
  INSERT INTO `external_tokens_search`(`external_tokens_search`, rowid, name) VALUES ('delete', old.id, old.name);
END;--> statement-breakpoint
CREATE TRIGGER `external_tokens_search_au` AFTER UPDATE OF name ON `external_tokens` BEGIN
  INSERT INTO `external_tokens_search`(`external_tokens_search`, rowid, name) VALUES ('delete', old.id, old.name);
  INSERT INTO `external_tokens_search`(rowid, name) VALUES (new.id, new.name);
END;--> statement-breakpoint
CREATE VIRTUAL TABLE `users_search` USING fts5(username, firstname, lastname, email, content='users', content_rowid='id', tokenize='trigram');--> statement-breakpoint
INSERT INTO `users_search`(`users_search`) VALUES ('rebuild');--> statement-breakpoint
CREATE TRIGGER `users_search_ai` AFTER INSERT ON `users` BEGIN
  INSERT INTO `users_search`(rowid, username, firstname, lastname, email) VALUES (new.id, new.username, new.firstname, new.lastname, new.email);
END;--> statement-breakpoint
CREATE TRIGGER `users_search_ad` AFTER DELETE ON `users` BEGIN
  INSERT INTO `users_search`(`users_search`, rowid, username, firstname, lastname, email) VALUES ('delete', old.id, old.username, old.firstname, old.lastname, old.email);
END;--> statement-breakpoint
CREATE TRIGGER `users_search_au` AFTER UPDATE OF username, firstname, lastname, email ON `users` BEGIN
  INSERT INTO `users_search`(`users_search`, rowid, username, firstname, lastname, email) VALUES ('delete', old.id, old.username, old.firstname, old.lastname, old.email);
  INSERT INTO `users_search`(rowid, username, firstname, lastname, email) VALUES (new.id, new.username, new.firstname, new.lastname, new.email);
END;
--> statement-breakpoint
-- Statistics for the new indexes, so that the planner picks them on a large existing store.
ANALYZE `external_tokens`;--> statement-breakpoint
ANALYZE `users`;
