-- Accounts: Better Auth 1.7.5's tables (users, sessions, credentials, organizations, members,
-- invitations), snapshotted from its compileMigrations() for our options (email+password and the
-- organization plugin); test/unit/accounts-schema.test.ts fails when a Better Auth upgrade needs more.
-- Its dates are ISO-8601 text (Better Auth writes them so on SQLite); ours stay epoch ms.
create table "user" ("id" text not null primary key, "name" text not null, "email" text not null unique, "emailVerified" integer not null, "image" text, "createdAt" date not null, "updatedAt" date not null);
create table "session" ("id" text not null primary key, "expiresAt" date not null, "token" text not null unique, "createdAt" date not null, "updatedAt" date not null, "ipAddress" text, "userAgent" text, "userId" text not null references "user" ("id") on delete cascade, "activeOrganizationId" text);
create table "account" ("id" text not null primary key, "accountId" text not null, "providerId" text not null, "userId" text not null references "user" ("id") on delete cascade, "accessToken" text, "refreshToken" text, "idToken" text, "accessTokenExpiresAt" date, "refreshTokenExpiresAt" date, "scope" text, "password" text, "createdAt" date not null, "updatedAt" date not null);
create table "verification" ("id" text not null primary key, "identifier" text not null, "value" text not null, "expiresAt" date not null, "createdAt" date not null, "updatedAt" date not null);
create table "organization" ("id" text not null primary key, "name" text not null, "slug" text not null unique, "logo" text, "createdAt" date not null, "metadata" text);
create table "member" ("id" text not null primary key, "organizationId" text not null references "organization" ("id") on delete cascade, "userId" text not null references "user" ("id") on delete cascade, "role" text not null, "createdAt" date not null);
create table "invitation" ("id" text not null primary key, "organizationId" text not null references "organization" ("id") on delete cascade, "email" text not null, "role" text, "status" text not null, "expiresAt" date not null, "createdAt" date not null, "inviterId" text not null references "user" ("id") on delete cascade);
create index "session_userId_idx" on "session" ("userId");
create index "account_userId_idx" on "account" ("userId");
create index "verification_identifier_idx" on "verification" ("identifier");
create index "member_organizationId_idx" on "member" ("organizationId");
create index "member_userId_idx" on "member" ("userId");
create index "invitation_organizationId_idx" on "invitation" ("organizationId");
create index "invitation_email_idx" on "invitation" ("email");

-- One Better Auth organization per hookstream organization, with the same id: the organizations
-- table stays the tenancy root that environments, keys and resources reference.
INSERT INTO "organization" ("id", "name", "slug", "createdAt")
	SELECT id, name, id, strftime('%Y-%m-%dT%H:%M:%fZ', created_at / 1000.0, 'unixepoch') FROM organizations;
CREATE UNIQUE INDEX member_org_user ON "member" ("organizationId", "userId");

-- CLI device login (RFC 8628 style): the CLI polls with device_code; a signed-in member approves
-- user_code; the next poll after approval mints one of our API keys and hands it out once
-- (so no plaintext key is ever stored). device_code itself is kept only as a SHA-256.
CREATE TABLE device_codes (
	device_code_hash TEXT PRIMARY KEY,
	user_code TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL,
	user_id TEXT,
	org_id TEXT,
	env_id TEXT,
	key_id TEXT,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	last_polled_at INTEGER
);
