import { Type, type Static } from '@sinclair/typebox'
import { IdSchema } from '../common/common.schemas.js'

/** Exactly one address: what the `email` format means here (plugins/validation.ts). */
export const EmailSchema = Type.String({ maxLength: 254, format: 'email' })
export const NewPasswordSchema = Type.String({ minLength: 10, maxLength: 128 })
export const PasswordInputSchema = Type.String({ minLength: 1, maxLength: 128 })
export const PersonNameSchema = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })
export const PhoneSchema = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' })
export const OtpCodeSchema = Type.String({ pattern: '^[0-9]{6}$' })
export const RoleSchema = Type.Union([Type.Literal('CUSTOMER'), Type.Literal('ADMIN'), Type.Literal('MODERATOR')])
export const StaffRoleSchema = Type.Union([Type.Literal('ADMIN'), Type.Literal('MODERATOR')])

export const SignUpRequestSchema = Type.Object({
  email: EmailSchema,
  password: NewPasswordSchema,
  name: PersonNameSchema
}, { additionalProperties: false })

export const VerificationPendingSchema = Type.Object({
  email: Type.String(),
  codeExpiresIn: Type.Integer()
}, { additionalProperties: false })

export const VerifyEmailRequestSchema = Type.Object({ email: EmailSchema, code: OtpCodeSchema }, { additionalProperties: false })
export const EmailOnlyRequestSchema = Type.Object({ email: EmailSchema }, { additionalProperties: false })
export const CodeOnlyRequestSchema = Type.Object({ code: OtpCodeSchema }, { additionalProperties: false })
export const SignInRequestSchema = Type.Object({ email: EmailSchema, password: PasswordInputSchema }, { additionalProperties: false })
export const AcceptedSchema = Type.Object({ message: Type.String() }, { additionalProperties: false })

export const TokenPairSchema = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer(),
  tokenType: Type.Literal('Bearer')
}, { additionalProperties: false })
export type TokenPair = Static<typeof TokenPairSchema>

export const RefreshRequestSchema = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false })

export const ChangePasswordRequestSchema = Type.Object({
  currentPassword: PasswordInputSchema,
  newPassword: NewPasswordSchema
}, { additionalProperties: false })

export const ResetPasswordRequestSchema = Type.Object({
  email: EmailSchema,
  code: OtpCodeSchema,
  newPassword: NewPasswordSchema
}, { additionalProperties: false })

export const StaffChallengeSchema = Type.Object({ challengeId: IdSchema, expiresIn: Type.Integer() }, { additionalProperties: false })
export const StaffVerifyRequestSchema = Type.Object({ challengeId: IdSchema, code: OtpCodeSchema }, { additionalProperties: false })
