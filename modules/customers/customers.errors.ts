import { ProblemError } from '../../plugins/problem.js'

export const addressBookFull = (limit: number): ProblemError =>
  new ProblemError(409, 'ADDRESS_BOOK_FULL', `An address book holds at most ${limit} addresses; delete one first.`)
