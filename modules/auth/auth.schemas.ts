import { Type, type Static } from '@sinclair/typebox'
import { EmailSchema, IdSchema, NewPasswordSchema, PersonNameSchema, StringEnum } from '../../openapi/shared.schemas.js'
import { ROLES } from './user.entity.js'

export const PasswordInputSchema = Type.String({ minLength: 1, maxLength: 128 })
export const OtpCodeSchema = Type.String({ pattern: '^[0-9]{6}$' })
export const RoleSchema = StringEnum(ROLES)

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
