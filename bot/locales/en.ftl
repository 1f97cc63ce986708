# English texts of the Steller bot.
language-name = English

start-unknown =
    Welcome to Steller Agency.
    This bot is for invited agents and sub-agents. To join, open the invite link you received from your agent or from us.
help =
    Steller Agency sells digital gift cards to its agents.
    /start — main menu
    /language — change the language
    /cancel — leave the current step
cancel-done = Cancelled. Nothing was changed.
cancel-nothing = There is nothing to cancel.
language-choose = Choose your language:
language-set = Language set to English.
button-stale = This button is no longer valid. Please open the menu again with /start.
error-generic = Something went wrong. Please try again in a moment.
